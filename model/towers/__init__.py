"""The two towers (networks built from model.layers).

  mlp               ResidualMLP: the head of every tower network
  item_tower        ItemTower: item ids -> L2-normalized item vectors
  behavior_network  BehaviorNetwork: history sequence + statistics + id -> behavior vector
  text_network      TextNetwork: own text + texts of history items -> text vector
  social_network    SocialNetwork: DeepWalk vector + friends pooled -> social vector
  user_tower        UserTower: the three modalities fused into the profile vector
"""
